export { renderCatalogueMarkdown, type CatalogueMarkdownOptions } from './catalogue-markdown';
export { renderCeleryConfig, type CeleryConfigOptions } from './celery-config';
export { renderJsonSchemas, JSON_SCHEMA_DRAFT } from './json-schemas';
