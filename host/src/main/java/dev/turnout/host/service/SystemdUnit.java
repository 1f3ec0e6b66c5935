package dev.turnout.host.service;

/**
 * The systemd unit that runs Turnout as its own user with only the capabilities TUN mode needs
 * ({@link ServiceLayout#CAPABILITIES}, both ambient, so the process has them without being root, and as the
 * bounding set, so nothing it starts can gain more).
 *
 * <p>Routes and DNS settings are given back on every way out: Turnout removes them itself on stop;
 * {@code ExecStopPost} runs {@code turnout cleanup} after a crash or kill; {@code ExecStartPre} runs it again
 * before a start, for whatever a power loss left (a TUN's routes vanish with it; the state file says what else).
 * The state, pid and lock files live in {@code /run/turnout} (the unit's runtime directory, kept after stop so a
 * failed cleanup can be retried by hand): {@code XDG_RUNTIME_DIR=/run} makes the service user's runtime folder
 * {@code /run/turnout}, the folder root's {@code turnout cleanup} and {@code turnout reload} look in, so an admin's
 * commands find the service's route record and locks. Logs go to the journal; {@code systemctl reload} sends SIGHUP.
 */
public final class SystemdUnit {

    /** The unit's file name. */
    public static final String NAME = "turnout.service";

    /**
     * The unit's runtime folder setting: the service's files land in {@code $XDG_RUNTIME_DIR/turnout}, the
     * unit's {@code RuntimeDirectory}, which is where root's commands look.
     */
    public static final String RUNTIME_ENVIRONMENT = "XDG_RUNTIME_DIR=/run";

    private SystemdUnit() {
    }

    public static String render(ServiceLayout layout) {
        String turnout = layout.launcher().toString();
        String config = layout.config().toString();
        String caps = String.join(" ", ServiceLayout.CAPABILITIES);
        return String.join("\n",
                "# Written by 'turnout service install'; remove with 'turnout service uninstall'.",
                "[Unit]",
                "Description=Turnout rule-based proxy",
                "Documentation=file://" + layout.home().resolve("README.md"),
                "After=network-online.target",
                "Wants=network-online.target",
                "",
                "[Service]",
                "Type=simple",
                "User=" + layout.user(),
                "Group=" + layout.user(),
                "RuntimeDirectory=turnout",
                "RuntimeDirectoryPreserve=yes",
                // A non-root Turnout keeps its locks and route state under $XDG_RUNTIME_DIR/turnout: with /run
                // that is /run/turnout, where root's cleanup and reload look (not /run/turnout/turnout).
                "Environment=" + RUNTIME_ENVIRONMENT,
                "ExecStartPre=" + turnout + " cleanup -c " + config,
                "ExecStart=" + turnout + " run -c " + config + " --pid-file /run/turnout/turnout.pid",
                "ExecReload=/bin/kill -HUP $MAINPID",
                "ExecStopPost=" + turnout + " cleanup -c " + config,
                "Restart=on-failure",
                "RestartSec=2",
                "AmbientCapabilities=" + caps,
                "CapabilityBoundingSet=" + caps,
                "NoNewPrivileges=yes",
                "LimitNOFILE=1048576",
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                "");
    }
}
