import { emailAddress, phoneNumber } from '../../src/messaging/addresses';

describe('emailAddress', () => {
  it.each([
    ['ada@example.com'],
    ['Ada.Lovelace+news@mail.example.co.uk'],
    ["o'brien@example.ie"],
    ['noreply@localhost'],
    ['jörg@bücher.example'],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`], // 254 characters
  ])('accepts one plain address: %s', (address) => {
    expect(emailAddress(address)).toBe(address);
  });

  it.each([
    ['a list with a comma', 'a@x.com, evil@attacker.test'],
    ['a list with a semicolon', 'a@x.com;evil@attacker.test'],
    ['group syntax', 'undisclosed:e1@attacker.test,e2@attacker.test;'],
    ['an empty group', 'undisclosed:;'],
    ['a header injected after CR LF', 'a@x.com\r\nBcc: evil@attacker.test'],
    ['a bare LF', 'a@x.com\nevil@attacker.test'],
    ['a display name', 'Ada <ada@example.com>'],
    ['an angle address', '<evil@attacker.test>'],
    ['a quoted local part', '"a@x.com evil"@attacker.test'],
    ['a comment', 'ada@example.com (evil@attacker.test)'],
    ['a space', 'ada @example.com'],
    ['a tab', 'ada@example.com\tx'],
    ['a NUL', 'ada@example.com\u0000'],
    ['two @', 'a@b@example.com'],
    ['no @', 'ada.example.com'],
    ['no local part', '@example.com'],
    ['no domain', 'ada@'],
    ['an address literal', 'ada@[127.0.0.1]'],
    ['a leading dot', '.ada@example.com'],
    ['two dots', 'ada..l@example.com'],
    ['a trailing dot in the domain', 'ada@example.com.'],
    ['a domain label starting with a hyphen', 'ada@-example.com'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    ['more than 254 characters', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`],
    ['a line separator', 'ada@example.com\u2028'],
  ])('refuses %s', (_, address) => {
    expect(emailAddress(address)).toBeUndefined();
  });
});

describe('phoneNumber', () => {
  it.each([
    ['+15550100', '+15550100'],
    ['+4712345678', '+4712345678'],
    ['+1 (555) 010-0100', '+15550100100'],
    ['+44 20 7946.0958', '+442079460958'],
    ['+123456789012345', '+123456789012345'],
  ])('accepts an E.164 number, without its separators: %s', (raw, normalised) => {
    expect(phoneNumber(raw)).toBe(normalised);
  });

  it.each([
    ['a list', '+15550100,+15550199'],
    ['two numbers with a semicolon', '+15550100;+15550199'],
    ['no leading +', '15550100'],
    ['a national number', '(555) 010-0100'],
    ['a 00 prefix', '0015550100'],
    ['a leading zero after +', '+05550100'],
    ['7 digits', '+1555010'],
    ['16 digits', '+1234567890123456'],
    ['letters', '+1555CALLNOW'],
    ['CR LF', '+15550100\r\n+15550199'],
    ['an extension', '+15550100 ext 12'],
    ['a second +', '+1+5550100'],
  ])('refuses %s', (_, raw) => {
    expect(phoneNumber(raw)).toBeUndefined();
  });
});
