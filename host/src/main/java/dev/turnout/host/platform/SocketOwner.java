package dev.turnout.host.platform;

/**
 * Who owns an application's socket: what mihomo's PROCESS-NAME, PROCESS-PATH and UID rules match.
 *
 * @param uid the socket's user id
 * @param path the owning process's executable (absolute), or null when the socket was found but not its process
 */
public record SocketOwner(long uid, String path) {

    /** The executable's file name, as mihomo's PROCESS-NAME sees it (filepath.Base of the path). */
    public String name() {
        if (path == null) {
            return null;
        }
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
