package dev.turnout.rules;

/** A flow's transport, as the {@code NETWORK} rule names it. */
public enum Network {
    TCP,
    UDP
}
