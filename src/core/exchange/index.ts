// Session export files: the format (format.ts), writing one (export.ts), reading one (import.ts).
export * from './format';
export { exportSession } from './export';
export { type ImportOptions, type ImportPreview, type ImportedSession, importSession, importSessionYielding, previewImport } from './import';
export { type FolderChoice, type FolderMapping, mapFolders, notOpenReason } from './folders';
