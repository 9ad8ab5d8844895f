// Engine worker entry (filled in by the engine work).
export {};
