package dev.turnout.host.dns;

import java.util.Locale;

/** Clash's {@code dns.enhanced-mode}. */
public enum EnhancedMode {
    /** A/AAAA answered with fake addresses that map back to the name. */
    FAKE_IP("fake-ip"),
    /** Real answers from upstream (Clash's redir-host). */
    REDIR_HOST("redir-host"),
    /** Real answers from upstream, plain forwarding. */
    NORMAL("normal");

    private final String clashName;

    EnhancedMode(String clashName) {
        this.clashName = clashName;
    }

    public String clashName() {
        return clashName;
    }

    public static EnhancedMode parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (EnhancedMode m : values()) {
            if (m.clashName.equals(t)) {
                return m;
            }
        }
        throw new IllegalArgumentException("enhanced-mode '" + text + "': expected fake-ip, redir-host or normal");
    }
}
