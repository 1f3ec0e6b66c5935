package dev.turnout.rules;

import java.net.InetAddress;

/** An autonomous system database as IP-ASN rules see it (GeoLite2-ASN: {@code autonomous_system_number}). */
@FunctionalInterface
public interface AsnLookup {

    /** The number of the autonomous system announcing the address, or 0 when the database has none for it. */
    long asn(InetAddress address);
}
