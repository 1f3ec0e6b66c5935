package dev.turnout.rules;

/**
 * mihomo's {@code idna.ToASCII} (golang.org/x/net/idna's Punycode profile) as its DOMAIN, DOMAIN-SUFFIX and
 * DOMAIN-KEYWORD payloads go through it: each label with a non-ASCII character becomes {@code xn--} and its RFC 3492
 * encoding, nothing else is mapped or checked. So {@code DOMAIN,bücher.test} matches {@code xn--bcher-kva.test},
 * the name browsers, curl and DNS send. Not {@link java.net.IDN}: its IDNA2003 nameprep maps more ({@code ß} to
 * {@code ss}) and refuses labels mihomo takes, and a rule must mean what it means in mihomo.
 */
final class Punycode {

    private static final int BASE = 36;
    private static final int T_MIN = 1;
    private static final int T_MAX = 26;
    private static final int SKEW = 38;
    private static final int DAMP = 700;
    private static final int INITIAL_BIAS = 72;
    private static final int INITIAL_N = 128;

    private Punycode() {
    }

    /** {@code name} with each non-ASCII label encoded; the same string when it is all ASCII. */
    static String toAscii(String name) {
        if (ascii(name)) {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length() + 8);
        int start = 0;
        while (true) {
            int dot = name.indexOf('.', start);
            String label = dot < 0 ? name.substring(start) : name.substring(start, dot);
            out.append(ascii(label) ? label : "xn--" + encode(label));
            if (dot < 0) {
                return out.toString();
            }
            out.append('.');
            start = dot + 1;
        }
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3492 section 6.3, over code points. */
    private static String encode(String label) {
        int[] input = label.codePoints().toArray();
        StringBuilder out = new StringBuilder();
        for (int c : input) {
            if (c < 0x80) {
                out.append((char) c);
            }
        }
        int basic = out.length();
        int handled = basic;
        if (basic > 0) {
            out.append('-');
        }
        int n = INITIAL_N;
        long delta = 0;
        int bias = INITIAL_BIAS;
        while (handled < input.length) {
            int m = Integer.MAX_VALUE;
            for (int c : input) {
                if (c >= n && c < m) {
                    m = c;
                }
            }
            delta += (long) (m - n) * (handled + 1);
            n = m;
            for (int c : input) {
                if (c < n) {
                    delta++;
                }
                if (c == n) {
                    long q = delta;
                    for (int k = BASE; ; k += BASE) {
                        int t = k <= bias ? T_MIN : Math.min(k - bias, T_MAX);
                        if (q < t) {
                            break;
                        }
                        out.append(digit((int) (t + (q - t) % (BASE - t))));
                        q = (q - t) / (BASE - t);
                    }
                    out.append(digit((int) q));
                    bias = adapt(delta, handled + 1, handled == basic);
                    delta = 0;
                    handled++;
                }
            }
            delta++;
            n++;
        }
        return out.toString();
    }

    private static char digit(int d) {
        return (char) (d < 26 ? 'a' + d : '0' + d - 26);
    }

    private static int adapt(long delta, int points, boolean first) {
        delta = first ? delta / DAMP : delta / 2;
        delta += delta / points;
        int k = 0;
        while (delta > ((BASE - T_MIN) * T_MAX) / 2) {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        return (int) (k + (BASE - T_MIN + 1) * delta / (delta + SKEW));
    }
}
