export { catalogPrices, defaultCatalog, Discount, Feature, Plan, planPrices, ProductCatalog } from './catalog';
export { systemPrompt } from './system-prompt';
