export * from './task-contract';
export * from './envelope';
export * from './catalogue';
export * from './render';
export * from './bind-arguments';
export * from './compile-contract';
