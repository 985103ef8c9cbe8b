import { INestApplication } from '@nestjs/common';
import { ApiBody, ApiQuery, DocumentBuilder, SchemaObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';

export const OPENAPI_PATH = 'api/docs';

/** A zod schema as an OpenAPI schema: the validation and the documentation come from one definition. */
function openApiSchema(schema: z.ZodType): SchemaObject {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json as SchemaObject;
}

/** Documents a JSON body validated by `schema`. */
export const ApiZodBody = (schema: z.ZodType) => ApiBody({ schema: openApiSchema(schema) });

/** Documents each query parameter of an object schema. */
export function ApiZodQuery(schema: z.ZodObject): MethodDecorator {
  const json = openApiSchema(schema);
  const required = new Set(json.required ?? []);
  const decorators = Object.entries(json.properties ?? {}).map(([name, property]) => ApiQuery({ name, required: required.has(name), schema: property as SchemaObject }));
  return (target, key, descriptor) => {
    for (const d of decorators) d(target, key, descriptor);
  };
}

/** OpenAPI for the admin API: the document at `/api/docs-json`, Swagger UI at `/api/docs`. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Closer admin API')
    .setDescription('Sessions, models, training runs, API keys and the audit log. Every route needs `Authorization: Bearer <API key>`; see docs/admin.md.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an admin API key (`closer admin-key create`)' })
    .build();
  SwaggerModule.setup(OPENAPI_PATH, app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: `${OPENAPI_PATH}-json` });
}
