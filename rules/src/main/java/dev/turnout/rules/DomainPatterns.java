package dev.turnout.rules;

/**
 * Matching for domain entries with {@code *} labels that the hash table cannot take ({@code a.*.example.com},
 * {@code +.*.example.com}): rare, so a label-by-label comparison is enough.
 */
final class DomainPatterns {

    private DomainPatterns() {
    }

    /**
     * {@code pattern}: optional {@code +.} (zero or more labels before) or {@code .} (one or more) prefix, then
     * labels where {@code *} is exactly one label.
     */
    static boolean matches(String pattern, String domain) {
        int mode = pattern.startsWith("+.") ? 1 : pattern.startsWith(".") ? 2 : 0;
        String body = mode == 1 ? pattern.substring(2) : mode == 2 ? pattern.substring(1) : pattern;
        String[] p = body.split("\\.", -1);
        String[] d = domain.split("\\.", -1);
        if (mode == 0 ? d.length != p.length : mode == 1 ? d.length < p.length : d.length <= p.length) {
            return false;
        }
        int offset = d.length - p.length;
        for (int i = 0; i < p.length; i++) {
            String label = d[offset + i];
            if (!(p[i].equals("*") ? !label.isEmpty() : p[i].equals(label))) {
                return false;
            }
        }
        return true;
    }
}
