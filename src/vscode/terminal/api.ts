// The terminal-session part of the public API (src/api.ts): never prompts; opens only the terminal asked for.
import type * as api from '../../api';
import type { EngineApi } from '../../core/engineApi';
import { toApiSession } from '../publicApi';
import type { TerminalSessions } from './bindings';

export function terminalApi(engine: () => Promise<EngineApi>, terminals: TerminalSessions): Partial<api.SessionTreeApi> {
  const session = async (id: string) => {
    const s = (await (await engine()).sessions()).find((x) => x.id === id);
    if (!s) throw Object.assign(new Error(`No session ${id}.`), { code: 'not-found' });
    return s;
  };
  return {
    async newTerminalSession(options = {}) {
      const e = await engine();
      const s = await e.newTerminalSession(options.title !== undefined ? { title: options.title } : {});
      const terminal = await terminals.open(s, options.cwd, options.show !== false);
      return { session: toApiSession(await session(s.id)), terminal };
    },
    async attachTerminal(terminal, sessionId) {
      return toApiSession(await terminals.bind(terminal, sessionId));
    },
    async commandRecord(sessionId, options = {}) {
      return (await engine()).commandRecord(sessionId, options.limit !== undefined ? { limit: options.limit } : {});
    },
    async commandOutput(commandId) {
      return (await engine()).commandOutput(commandId);
    },
  };
}
