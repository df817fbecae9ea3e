// The API reference page: Swagger UI reading the OpenAPI document the worker generates from its route contracts.
// A file rather than an inline script, so the page runs under a CSP without 'unsafe-inline' for scripts.
window.ui = window.SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#api-docs',
  deepLinking: true,
  // keys typed into "Authorize" live only in this tab's memory
  persistAuthorization: false,
  defaultModelsExpandDepth: 0,
  docExpansion: 'list',
  tagsSorter: 'alpha',
})
