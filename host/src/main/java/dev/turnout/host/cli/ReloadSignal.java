package dev.turnout.host.cli;

import dev.turnout.host.runtime.Reloader;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP for {@code turnout run}, taken from before the start: one that arrives while Turnout starts (systemd's
 * ExecReload, a script reloading right after a start) is remembered and made once Turnout is up. Left to the JVM
 * until then, a SIGHUP stopped the process (exit 129) instead of reloading it.
 */
final class ReloadSignal {

    private Reloader reloader; // guarded by this
    private boolean pending; // guarded by this
    /** Why SIGHUP cannot reload here, said once logging is set up; null when it can. */
    private volatile String unavailable;

    private ReloadSignal() {
    }

    static ReloadSignal install() {
        ReloadSignal signal = new ReloadSignal();
        try {
            SignalHandler previous = Signal.handle(new Signal("HUP"), s -> signal.request());
            if (previous == SignalHandler.SIG_IGN) {
                signal.unavailable = "SIGHUP was ignored when Turnout started (nohup?); reload with the controller instead";
            }
        } catch (IllegalArgumentException e) {
            signal.unavailable = "cannot take SIGHUP here (" + e.getMessage() + "); reload with the controller instead";
        }
        return signal;
    }

    /** What to warn about SIGHUP, or null. */
    String unavailable() {
        return unavailable;
    }

    /** Turnout is up: a SIGHUP that came during the start is made now, later ones as they come. */
    synchronized void ready(Reloader reloader) {
        this.reloader = reloader;
        if (pending) {
            pending = false;
            reloader.request();
        }
    }

    private synchronized void request() {
        if (reloader != null) {
            reloader.request();
        } else {
            pending = true;
        }
    }
}
