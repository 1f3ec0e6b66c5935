package dev.turnout.host.outbound;

import com.google.common.net.InternetDomainName;
import dev.turnout.api.Destination;

/**
 * What a load-balance group keys a flow's member on, as mihomo's {@code getKey} (and Clash's): the name's
 * registrable domain on the Public Suffix List, private suffixes included (Go's {@code
 * publicsuffix.EffectiveTLDPlusOne}), so {@code www.google.com} and {@code accounts.google.com} keep one member and a
 * site's logins and cookies see one exit address. Without one (no name, one label, a name that is itself a public
 * suffix) the address when known, else the name.
 */
final class SiteKey {

    private SiteKey() {
    }

    static String of(Destination to) {
        if (to.hasHost()) {
            String site = registrableDomain(to.host());
            if (site != null) {
                return site;
            }
        }
        return to.hasAddress() ? to.address().getHostAddress() : to.host();
    }

    /** The name's public suffix and one label more, or null when it has none (as Go's, which then errs). */
    static String registrableDomain(String host) {
        String[] labels = host.split("\\.", -1);
        int n = labels.length;
        for (String label : labels) {
            if (label.isEmpty()) {
                return null;
            }
        }
        // Guava refuses some labels DNS names carry (_dmarc, a leading hyphen); the suffix is looked up in the
        // longest tail it takes, as the list's rules only ever look at the right end of a name.
        for (int i = 0; i < n; i++) {
            String tail = i == 0 ? host : String.join(".", java.util.Arrays.asList(labels).subList(i, n));
            InternetDomainName name;
            try {
                name = InternetDomainName.from(tail);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (name.isUnderPublicSuffix()) {
                return name.topPrivateDomain().toString();
            }
            if (name.isPublicSuffix()) {
                return i == 0 ? null : labels[i - 1].toLowerCase(java.util.Locale.ROOT) + "." + name;
            }
            break;
        }
        // No rule on the list: its default rule '*' makes the last label the suffix.
        return n < 2 ? null : (labels[n - 2] + "." + labels[n - 1]).toLowerCase(java.util.Locale.ROOT);
    }
}
