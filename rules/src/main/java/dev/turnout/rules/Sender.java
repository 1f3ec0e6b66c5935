package dev.turnout.rules;

/**
 * Who sent a flow and how it came in: the facts mihomo's IN-PORT, IN-TYPE, IN-NAME, IN-USER, PROCESS-PATH, UID
 * and DSCP rules look at. Each is unknown ({@code null}, 0 or -1) unless the inbound or the process lookup found
 * it; a rule never matches an unknown fact.
 *
 * @param inboundPort the local port the flow arrived on, 0 when unknown
 * @param inboundType mihomo's inbound type as {@code IN-TYPE} spells it ({@code HTTP}, {@code HTTPS},
 *     {@code SOCKS5}, {@code TUN}, ...), or null
 * @param inboundName the inbound's name ({@code DEFAULT-MIXED}, {@code DEFAULT-TUN}, ...), or null
 * @param inboundUser the user the inbound authenticated, or null
 * @param processPath the owning process's executable, or null
 * @param uid the owning socket's user id, -1 when unknown
 * @param dscp the DSCP of the flow's first IP packet (0-63), -1 when unknown
 */
public record Sender(int inboundPort, String inboundType, String inboundName, String inboundUser,
                     String processPath, long uid, int dscp) {

    public static final Sender UNKNOWN = new Sender(0, null, null, null, null, -1, -1);

    /** The same facts with what a process lookup found. */
    public Sender withProcess(String path, long newUid) {
        return new Sender(inboundPort, inboundType, inboundName, inboundUser, path, newUid, dscp);
    }
}
