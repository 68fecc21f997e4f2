import { isOperatorToken, presentedOperatorToken } from './queue-board.js';

const TOKEN = 'op_0123456789abcdefghijklmnopqrstuvwxyz';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('operator token check', () => {
  it('reads a bearer token or the password of HTTP Basic', () => {
    expect(presentedOperatorToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(presentedOperatorToken(`bearer ${TOKEN}`)).toBe(TOKEN);
    expect(presentedOperatorToken(basic('operator', TOKEN))).toBe(TOKEN);
    expect(presentedOperatorToken(basic('', `a:${TOKEN}`))).toBe(`a:${TOKEN}`);
  });

  it('reads nothing from other or malformed headers', () => {
    for (const header of [undefined, '', 'Bearer', `Token ${TOKEN}`, `Bearer ${TOKEN} more`, 'Basic bm9jb2xvbg==']) {
      expect(presentedOperatorToken(header)).toBeUndefined();
    }
  });

  it('accepts only the exact token', () => {
    expect(isOperatorToken(TOKEN, TOKEN)).toBe(true);
    expect(isOperatorToken(undefined, TOKEN)).toBe(false);
    expect(isOperatorToken('', TOKEN)).toBe(false);
    expect(isOperatorToken(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(isOperatorToken(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(isOperatorToken(TOKEN.toUpperCase(), TOKEN)).toBe(false);
  });
});
