import * as vscode from 'vscode';
import type { SavePolicy, TrackingOptions } from '../core/engineApi';
import { Settings, type SettingKey } from './ids';

export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;
export const DEFAULT_EDITOR_QUIET_TIME = 3000;

function get<T>(key: SettingKey, fallback: T): T {
  return vscode.workspace.getConfiguration(Settings.section).get<T>(key, fallback);
}

export function trackingOptions(): Required<TrackingOptions> {
  const exclude = get<unknown>(Settings.exclude, []);
  const maxFileSize = get<unknown>(Settings.maxFileSize, DEFAULT_MAX_FILE_SIZE);
  const savePolicy = get<unknown>(Settings.databaseSavePolicy, 'debounced');
  return {
    exclude: Array.isArray(exclude) ? exclude.filter((e): e is string => typeof e === 'string' && e.trim() !== '') : [],
    maxFileSize: typeof maxFileSize === 'number' && maxFileSize > 0 ? maxFileSize : DEFAULT_MAX_FILE_SIZE,
    savePolicy: savePolicy === 'always' ? 'always' : ('debounced' satisfies SavePolicy),
  };
}

/** Milliseconds editor saves must be quiet before they are sealed into a checkpoint. */
export function editorQuietTime(): number {
  const ms = get<unknown>(Settings.editorQuietTime, DEFAULT_EDITOR_QUIET_TIME);
  return typeof ms === 'number' && ms >= 0 ? ms : DEFAULT_EDITOR_QUIET_TIME;
}

export function recordTerminalCommands(): boolean {
  return get<boolean>(Settings.recordTerminalCommands, true) !== false;
}

export function confirmBeforeRestore(): boolean {
  return get<boolean>(Settings.confirmBeforeRestore, true) !== false;
}

export function affectsTracking(e: vscode.ConfigurationChangeEvent): boolean {
  return [Settings.exclude, Settings.maxFileSize, Settings.databaseSavePolicy].some((k) =>
    e.affectsConfiguration(`${Settings.section}.${k}`),
  );
}
