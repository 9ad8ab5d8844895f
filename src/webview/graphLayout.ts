// Lays a session's checkpoints out as graph rows, newest first, in lanes (as Git Graph does): each
// checkpoint sits in a lane; the lines from its children come down into it (more than one child: a
// fork, where a rewind or a branch left another line), and its own line goes down to its parent.
// One pass, O(checkpoints × lanes); pure, so it runs in the webview and in plain Node tests.

export interface LayoutInput {
  id: string;
  parentId?: string;
}

export interface GraphRow {
  /** Index of the checkpoint in the input. */
  index: number;
  lane: number;
  /** Lanes whose line comes from above into this checkpoint (its children's lines). */
  joins: number[];
  /** Lanes whose line passes this row untouched. */
  through: number[];
  /** Whether a line leaves this checkpoint downwards (to its parent). */
  down: boolean;
}

export interface GraphLayout {
  rows: GraphRow[];
  /** Lanes in use at the widest row. */
  width: number;
}

/** Ids are decimal strings that grow with time: a child's id is greater than its parent's. */
const newestFirst = (a: LayoutInput, b: LayoutInput): number => Number(b.id) - Number(a.id);

export function layoutGraph(checkpoints: readonly LayoutInput[]): GraphLayout {
  const order = checkpoints.map((c, index) => ({ c, index })).sort((a, b) => newestFirst(a.c, b.c));
  const present = new Set(checkpoints.map((c) => c.id));
  /** lanes[i]: the checkpoint id lane i's line is going down to (undefined: free). */
  const lanes: (string | undefined)[] = [];
  const rows: GraphRow[] = [];
  let width = 0;
  for (const { c, index } of order) {
    const joins: number[] = [];
    const through: number[] = [];
    for (let i = 0; i < lanes.length; i++) {
      if (lanes[i] === undefined) continue;
      if (lanes[i] === c.id) joins.push(i);
      else through.push(i);
    }
    let lane = joins.length ? joins[0] : lanes.indexOf(undefined);
    if (lane < 0) lane = lanes.length;
    for (const j of joins) lanes[j] = undefined;
    const down = c.parentId !== undefined && present.has(c.parentId);
    lanes[lane] = down ? c.parentId : undefined;
    while (lanes.length && lanes[lanes.length - 1] === undefined) lanes.pop();
    width = Math.max(width, lane + 1, ...through.map((t) => t + 1));
    rows.push({ index, lane, joins, through, down });
  }
  return { rows, width };
}
