package dev.turnout.host.dns;

/** Checks on names taken from queries before they become pool keys or cache-file lines. */
final class DnsNames {

    private DnsNames() {
    }

    /**
     * True for a normalized name that may get a fake address: 1 to 253 visible ASCII characters, no empty
     * labels. Anything else (control bytes, spaces, the root) is forwarded upstream instead, which also keeps
     * the line-based cache file unambiguous.
     */
    static boolean isFakeable(String name) {
        int n = name.length();
        if (n == 0 || n > 253 || name.charAt(0) == '.' || name.charAt(n - 1) == '.') {
            return false;
        }
        char prev = 0;
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7F || (c == '.' && prev == '.')) {
                return false;
            }
            prev = c;
        }
        return true;
    }

    /** True for a host name a server may be known by: labels of letters, digits and hyphens, 1 to 63 long. */
    static boolean isHostName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
            }
        }
        return true;
    }
}
