/** How the finishing step writes rates and differences (reasons, model card). */
export const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

/** A difference with its sign, minus as in typeset text. */
export const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

/** A difference of rates in percentage points. */
export const points = (x: number) => `${signed(100 * x, 1)} pts`;
