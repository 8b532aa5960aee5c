/**
 * An error and its chain of causes, at most six deep. Not through
 * `instanceof Error`: errors made in another realm (Node's own under Jest, a
 * VM context) fail it, and their causes matter as much.
 */
export function* causes(error: unknown): Generator<unknown> {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    yield e;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
}
