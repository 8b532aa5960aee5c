/**
 * The workflow task timeout of every workflow convoflow starts (Temporal's
 * default is 10 s). A task taken by a worker that then dies is retried
 * elsewhere only after this long, so it bounds what a killed worker costs a
 * conversation: an offer's expiry due meanwhile is applied within about
 * OFFER_ACCEPT_GRACE_MS + this + a restart (measured with 5 s: up to 10.1 s
 * past the countdown over 1,366 offers and 99 kills; the target is 10 s). A
 * task is milliseconds of workflow code (the store writes are activities),
 * so 4 s still leaves room for a loaded worker replaying a long history.
 */
export const WORKFLOW_TASK_TIMEOUT = '4 seconds';
