export { catalogPrices, Discount, Feature, Plan, planPrices, ProductCatalog } from './catalog';
export { CatalogError, loadCatalog, loadCatalogFile, parseCatalog, shippedCatalog } from './catalog-file';
export { systemPrompt } from './system-prompt';
