package dev.turnout.host.sniff;

/**
 * What a flow's first bytes say about the name it is for: a name, no name (they are not of the protocol, or carry
 * none), or not enough bytes yet to tell.
 *
 * @param host the name, lower case, when {@link #found}
 */
record SniffResult(State state, String host) {

    enum State { FOUND, NONE, MORE }

    static final SniffResult NONE = new SniffResult(State.NONE, null);
    static final SniffResult MORE = new SniffResult(State.MORE, null);

    static SniffResult found(String host) {
        return new SniffResult(State.FOUND, host);
    }

    boolean decided() {
        return state != State.MORE;
    }

    /**
     * {@code text} as a name a rule can match: letters, digits, '-', '_' and dots, not an address literal; else
     * {@link #NONE}. What the application sent is not trusted further than that.
     */
    static SniffResult ofName(String text) {
        String name = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        if (name.isEmpty() || name.length() > 253) {
            return NONE;
        }
        boolean letter = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.';
            if (!ok) {
                return NONE;
            }
            letter |= c > '9';
        }
        // All digits and dots is an IPv4 literal (or nonsense); IPv6 literals were refused at ':'. A name that ends in
        // a number (0xcb.0.113.5, a.123) is no flow's destination (Destination refuses it): the address stays.
        return letter && !name.startsWith(".") && !name.contains("..") && isDestination(name)
                ? found(name.toLowerCase(java.util.Locale.ROOT)) : NONE;
    }

    private static boolean isDestination(String name) {
        try {
            return dev.turnout.api.Destination.ofHost(name, 0).hasHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
