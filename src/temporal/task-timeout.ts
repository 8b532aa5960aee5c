/**
 * The workflow task timeout of every workflow convoflow starts (Temporal's
 * default is 10 s). A task taken by a worker that then dies is retried
 * elsewhere only after this long, so it bounds what a killed worker costs a
 * conversation: an offer's expiry due meanwhile is applied within about
 * OFFER_ACCEPT_GRACE_MS + this + a restart. A task is milliseconds of
 * workflow code (the store writes are activities), so 5 s leaves room for a
 * loaded worker replaying a long history.
 */
export const WORKFLOW_TASK_TIMEOUT = '5 seconds';
