export {
  createLogger,
  logFileStem,
  type Logger,
  type LogFields,
  type ProcessLogger,
  type LoggerOptions,
} from './logger';
export { maskText, maskValue } from './mask';
