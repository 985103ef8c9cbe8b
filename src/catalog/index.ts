export { catalogPrices, defaultCatalog, Discount, Feature, Plan, planPrices, ProductCatalog } from './catalog';
