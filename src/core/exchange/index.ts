// Session export files: the format (format.ts), writing one (export.ts), reading one (import.ts).
export * from './format';
export { exportSession } from './export';
export { importSession } from './import';
