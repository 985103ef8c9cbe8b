/** What the policy module reports about the serving model (provided by PolicyModule). */
export interface ModelStatus {
  /** True once a model is loaded and can answer. */
  isLoaded(): boolean;
  /** Human-readable name of the loaded version, if any. */
  versionName(): string | undefined;
}

export const MODEL_STATUS = Symbol('MODEL_STATUS');
