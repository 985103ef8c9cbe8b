import { z } from 'zod';
import { adminRoles } from '../roles';

/** A new key's fields, checked the same way by the API and the `admin-key create` command. */
export const apiKeyFields = {
  name: z.string().trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters'),
  role: z.enum(adminRoles, `role must be one of ${adminRoles.join(', ')}`),
};
