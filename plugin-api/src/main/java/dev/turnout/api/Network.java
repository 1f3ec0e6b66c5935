package dev.turnout.api;

/** The transport of a flow. */
public enum Network {
    TCP,
    UDP;

    /** The lower-case name Clash configs use ({@code tcp}, {@code udp}). */
    public String clashName() {
        return this == TCP ? "tcp" : "udp";
    }
}
