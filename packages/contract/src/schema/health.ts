/**
 * OIP v2 health answers (inference_rest.md, "Health"): the status is the answer, 200 for true and a
 * 4xx for false, and the body is empty. Worker and broker answer "false" with 400, as Triton does, and
 * name the reason's stable error code (codes.ts) in a header, since the body must stay empty.
 */
export const NOT_READY_STATUS = 400;

/** Header of a not-ready health answer: the stable code of the reason, e.g. `NO_CAPACITY`. */
export const NOT_READY_HEADER = 'splitflow-not-ready';
