package dev.turnout.host.controller;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.runtime.Reloader;
import dev.turnout.host.runtime.Turnout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller the config asks for, kept as reloads change its keys, as mihomo's reload recreates its controller:
 * started where none ran, moved or given a new secret, closed when the config asks for none. The command line's
 * overrides stay over the file's keys.
 */
public final class ControllerSlot implements Turnout.ControllerHook, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControllerSlot.class);

    private final Turnout turnout;
    private final Reloader reloader;
    private final Controller.Overrides overrides;
    private Controller controller; // guarded by this
    private Restarter restarter; // guarded by this
    private boolean closed; // guarded by this: a reload that ends after the stop starts nothing

    private ControllerSlot(Turnout turnout, Reloader reloader, Controller.Overrides overrides) {
        this.turnout = turnout;
        this.reloader = reloader;
        this.overrides = overrides;
    }

    /**
     * Starts the controller the running config asks for, if any.
     *
     * @throws IllegalArgumentException when its address is unusable
     */
    public static ControllerSlot start(Turnout turnout, Reloader reloader, Controller.Overrides overrides)
            throws InterruptedException {
        ControllerSlot slot = new ControllerSlot(turnout, reloader, overrides);
        try {
            slot.controller = Controller.startFor(turnout, reloader, overrides);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(whereWritten(turnout.config(), e) + ": " + e.getMessage(), e);
        }
        return slot;
    }

    /** The key a controller failure is about, where the config writes it. */
    private static dev.turnout.rules.Origin whereWritten(Config c, IllegalArgumentException e) {
        return c.originOf(String.valueOf(e.getMessage()).startsWith("external-controller-tls")
                ? "external-controller-tls" : "external-controller");
    }

    @Override
    public synchronized void use(Config next) throws ConfigException, InterruptedException {
        if (closed) {
            return;
        }
        try {
            if (controller == null) {
                controller = Controller.startFor(next, turnout, reloader, overrides);
                if (controller != null) {
                    controller.restartWith(restarter);
                }
            } else if (!controller.reconfigure(next, overrides)) {
                Controller gone = controller;
                controller = null;
                log.info("controller closed: the config asks for none");
                closeOutside(gone);
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(whereWritten(next, e), e.getMessage(), e);
        }
    }

    @Override
    public synchronized void settled() {
        if (controller != null) {
            controller.endOutdated();
        }
    }

    /**
     * Closes {@code gone} on a thread of its own once the request that may have asked for it ({@code PUT /configs}
     * runs on the controller's worker) has been answered: closing stops that worker.
     */
    private static void closeOutside(Controller gone) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            gone.close();
        }, "turnout-controller-close");
        t.setDaemon(true);
        t.start();
    }

    /** What {@code POST /restart} does, for this controller and any a reload starts. */
    public synchronized void restartWith(Restarter next) {
        this.restarter = next;
        if (controller != null) {
            controller.restartWith(next);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (controller != null) {
            controller.close();
            controller = null;
        }
    }
}
