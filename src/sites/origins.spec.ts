import { normalizeOrigin } from './origins';

describe('normalizeOrigin', () => {
  it('stores origins as browsers send them, and refuses anything else', () => {
    expect(normalizeOrigin('https://Shop.Example.com/')).toBe('https://shop.example.com');
    expect(normalizeOrigin('https://shop.example.com:443')).toBe('https://shop.example.com');
    expect(normalizeOrigin('http://localhost:8080')).toBe('http://localhost:8080');
    for (const bad of ['shop.example.com', 'https://shop.example.com/page', 'https://shop.example.com?a=1', 'ftp://shop.example.com', 'https://*.example.com', 'https://user@shop.example.com', 'null', '']) {
      expect(normalizeOrigin(bad)).toBeUndefined();
    }
  });
});
