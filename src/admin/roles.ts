/** Admin roles, weakest first: each role may do everything the ones before it may. */
export const adminRoles = ['viewer', 'operator', 'admin'] as const;
export type AdminRole = (typeof adminRoles)[number];

/** viewer: read; operator: + trigger and cancel training runs, write personas; admin: + promote / rollback, API keys, audit log. */
export const roleAllows = (held: AdminRole, required: AdminRole): boolean => adminRoles.indexOf(held) >= adminRoles.indexOf(required);

export const isAdminRole = (value: unknown): value is AdminRole => adminRoles.includes(value as AdminRole);
