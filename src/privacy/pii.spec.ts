import { loadCatalog } from '../catalog';
import { featuresIn, visitorAsks } from '../scoring';
import { findPii, ibanValid, luhnValid, PII_PLACEHOLDERS, PiiKind, redactPii } from './pii';

const [EMAIL, PHONE, CARD, IBAN] = [PII_PLACEHOLDERS.email, PII_PLACEHOLDERS.phone, PII_PLACEHOLDERS.card, PII_PLACEHOLDERS.iban];

/** Each case as a visitor would write it, inside a sentence: the whole number must go, the words around it stay. */
const positives: Record<PiiKind, string[]> = {
  email: [
    'jane.doe@example.com',
    'JANE_DOE+crm@mail.example.co.uk',
    'first.last@sub-domain.example.io',
    'müller@beispiel.de',
    'o%neil@example.org',
  ],
  phone: [
    '+1 (415) 555-0123',
    '+14155550123',
    '+44 20 7946 0958',
    '+44 (0)20 7946 0958',
    '+49 30 1234567',
    '+49-151-23456789',
    '+33 1 23 45 67 89',
    '+33612345678',
    '+91 98765 43210',
    '+61 2 9876 5432',
    '+81 3-1234-5678',
    '+34 612 345 678',
    '0044 20 7946 0958',
    '(415) 555-0123',
    '415-555-0123',
    '415.555.0123',
    '415 555 0123',
    '1-800-555-0199',
    '020 7946 0958',
    '07700 900123',
    '(030) 12345678',
    '030/12345678',
    '0151 23456789',
    '0800 123 4567',
    '01 23 45 67 89',
    '06.12.34.56.78',
  ],
  card: [
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '4111111111111111',
    '5555555555554444',
    '5105 1051 0510 5100',
    '2223 0031 2200 3222',
    '378282246310005',
    '3782 822463 10005',
    '3714 496353 98431',
    '6011111111111117',
    '6011 0009 9013 9424',
    '3530111333300000',
    '30569309025904',
    '3056 930902 5904',
    '4222222222222',
    '4111 1111 1111 1111 003',
  ],
  iban: [
    'DE89 3704 0044 0532 0130 00',
    'DE89370400440532013000',
    'GB82 WEST 1234 5698 7654 32',
    'gb82west12345698765432',
    'FR14 2004 1010 0505 0001 3M02 606',
    'NL91ABNA0417164300',
    'NO93 8601 1117 947',
    'CH93 0076 2011 6238 5295 7',
    'ES91 2100 0418 4502 0005 1332',
    'IT60 X054 2811 1010 0000 0123 456',
    'BE68 5390 0754 7034',
    'AT61-1904-3002-3457-3201',
  ],
};

/** Numbers a sales chat is full of: none of them is personal data, each must survive as written. */
const negatives = [
  // prices and amounts
  'The Growth plan is $1,299 a year.',
  '$1,299.00 per month',
  '€1.299,00 netto',
  '1 299 € par an',
  '$24/seat/month billed annually',
  'USD 23,520 per year',
  '£49.99',
  'We have 1,000,000 contacts and 10 000 users.',
  '+15% more seats, -20% discount',
  // seat counts and quantities
  'We need 250 seats, maybe 40 more next year.',
  'room 101, floor 3, extension 4567',
  // dates and times
  '2025-11-26',
  'on 26.11.2025 at 14:30',
  '11/26/2025',
  '26/11/2025 14:30',
  '01.12.2025',
  '2025-11-26T10:00:00.000Z',
  'Nov 26, 2025',
  'call me in 2 days',
  'call me on 2025-11-26',
  'text me about the 2025 plan',
  // versions, ids and machine strings
  'version 1.29.0 of onnxruntime, node 20.19.43, v2.3.14 and 10.2.3.4',
  '550e8400-e29b-41d4-a716-446655440000',
  '192.168.100.200 and 10.0.0.1',
  'at 1764180000000 ms',
  'ISBN 978-3-16-148410-0',
  'npm i closer@latest',
  'ping @jane on Slack',
  'root@localhost',
  // postcodes
  'ZIP 94105',
  '94105-1234',
  'Cambridge, MA 02139',
  'London SW1A 1AA',
  '75008 Paris',
  'D-10115 Berlin',
  // order numbers: not Luhn-valid, or no card network's prefix
  'order #123456789012',
  'order 4111111111111112',
  'invoice 4111 1111 1111 1112',
  'reference 1234567812345670',
  'tracking 9400111899223197428490',
  'invoice INV-2024-000123',
  'order 1000234567',
  // an IBAN with a wrong checksum
  'GB00 WEST 1234 5698 7654 32',
];

describe('PII redaction', () => {
  describe.each(Object.entries(positives) as [PiiKind, string[]][])('%s', (kind, cases) => {
    it.each(cases)('%s is redacted, in a sentence and alone', (pii) => {
      const placeholder = PII_PLACEHOLDERS[kind];
      expect(redactPii(`Hi, it's ${pii}, thanks.`)).toBe(`Hi, it's ${placeholder}, thanks.`);
      expect(redactPii(`(${pii})`)).toBe(`(${placeholder})`);
      expect(redactPii(pii)).toBe(placeholder);
      expect(findPii(`see ${pii}`)).toEqual([{ kind, text: pii }]);
    });
  });

  it.each(negatives)('"%s" survives', (text) => {
    expect(findPii(text)).toEqual([]);
    expect(redactPii(text)).toBe(text);
  });

  it('takes a bare run of digits for a phone number only where the visitor calls it one', () => {
    expect(redactPii('call me on 4155550123 after 5')).toBe(`call me on ${PHONE} after 5`);
    expect(redactPii('My mobile: 07700900123.')).toBe(`My mobile: ${PHONE}.`);
    expect(redactPii('WhatsApp +34612345678 or phone 0151-2345-6789')).toBe(`WhatsApp ${PHONE} or phone ${PHONE}`);
    expect(redactPii('tel:+442079460958')).toBe(`tel:${PHONE}`);
    expect(redactPii('order 4155550123')).toBe('order 4155550123');
  });

  it('redacts every kind in one message, keeping the rest of it', () => {
    const message =
      'Hi, we are 25 people and want the Growth plan at $49/seat (about $14,700 a year) from 2025-12-01. Mail jane.doe+crm@example.com or call +44 20 7946 0958; pay with 4111 1111 1111 1111 or IBAN DE89 3704 0044 0532 0130 00. PO 2025-0042.';
    expect(redactPii(message)).toBe(
      `Hi, we are 25 people and want the Growth plan at $49/seat (about $14,700 a year) from 2025-12-01. Mail ${EMAIL} or call ${PHONE}; pay with ${CARD} or IBAN ${IBAN}. PO 2025-0042.`,
    );
    expect(findPii(message).map((m) => m.kind)).toEqual(['email', 'iban', 'card', 'phone']);
  });

  it('is idempotent, and leaves text without personal data alone', () => {
    const once = redactPii('jane@example.com, +1 415 555 0123, 4111111111111111, NL91ABNA0417164300');
    expect(once).toBe(`${EMAIL}, ${PHONE}, ${CARD}, ${IBAN}`);
    expect(redactPii(once)).toBe(once);
    expect(redactPii('')).toBe('');
    expect(redactPii('What does the Starter plan include?')).toBe('What does the Starter plan include?');
  });

  it('leaves no word a reader of visitor text would take for a need: the placeholders name no feature, plan or cue', () => {
    const catalog = loadCatalog();
    const placeholders = Object.values(PII_PLACEHOLDERS).join(' ');
    expect(featuresIn(placeholders, catalog)).toEqual([]);
    expect(featuresIn('email me, or my phone', catalog)).toEqual(['email-sync', 'mobile-app']);
    expect(visitorAsks(`My details: ${placeholders}`, catalog)).toEqual([]);
    expect(visitorAsks('My email and my card: jane@example.com, 4111111111111111', catalog)).not.toEqual([]);
  });

  it('checks card numbers with Luhn and IBANs with mod 97', () => {
    expect(['4111111111111111', '378282246310005', '79927398713'].map(luhnValid)).toEqual([true, true, true]);
    expect(['4111111111111112', '79927398710'].map(luhnValid)).toEqual([false, false]);
    expect(['DE89370400440532013000', 'de89 3704 0044 0532 0130 00', 'NO9386011117947'].map(ibanValid)).toEqual([true, true, true]);
    expect(['DE88370400440532013000', 'DE89 3704', '1289370400440532013000', 'DE89370400440532013000123456789012345'].map(ibanValid)).toEqual([false, false, false, false]);
  });
});
