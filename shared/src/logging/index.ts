export { createLogger, type Logger, type LoggerOptions } from './logger';
export { maskText, maskValue } from './mask';
