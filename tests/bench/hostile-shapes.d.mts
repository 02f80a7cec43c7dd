export const HOSTILE_BOUND_SECONDS: number;
export const HOSTILE_SHAPES: Record<string, () => [string, string]>;
