import * as vscode from 'vscode';
import { parseSize } from '../core/bytes';
import type { SavePolicy, TrackingOptions } from '../core/engineApi';
import type { StorageBudget } from '../core/storageTypes';
import { Settings, type SettingKey } from './ids';

export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;
export const DEFAULT_EDITOR_QUIET_TIME = 3000;
export const DEFAULT_STORAGE_MAX_SIZE = 2 * 1024 ** 3;
export const DEFAULT_KEEP_DAYS = 7;
export const DEFAULT_EXTERNAL_QUIET_TIME = 5000;

function get<T>(key: SettingKey, fallback: T): T {
  return vscode.workspace.getConfiguration(Settings.section).get<T>(key, fallback);
}

export function trackingOptions(): Required<TrackingOptions> {
  const exclude = get<unknown>(Settings.exclude, []);
  const maxFileSize = get<unknown>(Settings.maxFileSize, DEFAULT_MAX_FILE_SIZE);
  const savePolicy = get<unknown>(Settings.databaseSavePolicy, 'debounced');
  return {
    exclude: Array.isArray(exclude) ? exclude.filter((e): e is string => typeof e === 'string' && e.trim() !== '') : [],
    // A number of bytes, or human units ("20 MB").
    maxFileSize: parseSize(maxFileSize) ?? DEFAULT_MAX_FILE_SIZE,
    savePolicy: savePolicy === 'always' ? 'always' : ('debounced' satisfies SavePolicy),
  };
}

/** Milliseconds editor saves must be quiet before they are sealed into a checkpoint. */
export function editorQuietTime(): number {
  const ms = get<unknown>(Settings.editorQuietTime, DEFAULT_EDITOR_QUIET_TIME);
  return typeof ms === 'number' && ms >= 0 ? ms : DEFAULT_EDITOR_QUIET_TIME;
}

/**
 * Milliseconds the watcher must report nothing before changes made by other programs are sealed
 * into an "External changes" checkpoint; 0 turns that off (they wait for the next checkpoint).
 */
export function externalQuietTime(): number {
  const ms = get<unknown>(Settings.externalQuietTime, DEFAULT_EXTERNAL_QUIET_TIME);
  return typeof ms === 'number' && ms >= 0 ? ms : DEFAULT_EXTERNAL_QUIET_TIME;
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

/** The storage budget: `storage.maxSize` (bytes or "2 GB"; 0 turns it off) and `storage.keepDays`. */
export function storageBudget(): StorageBudget {
  const max = get<unknown>(Settings.storageMaxSize, DEFAULT_STORAGE_MAX_SIZE);
  const days = get<unknown>(Settings.storageKeepDays, DEFAULT_KEEP_DAYS);
  return {
    maxSize: max === 0 || max === '0' ? 0 : parseSize(max) ?? DEFAULT_STORAGE_MAX_SIZE,
    keepDays: typeof days === 'number' && days >= 0 ? days : DEFAULT_KEEP_DAYS,
  };
}
