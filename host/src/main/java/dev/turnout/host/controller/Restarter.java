package dev.turnout.host.controller;

/** What {@code POST /restart} does; given by the command that runs Turnout, which knows how it was started. */
public interface Restarter {

    /** Why a restart cannot be done here, or {@code null} when it can; asked before anything is stopped. */
    String unavailableReason();

    /** Stops everything and starts again; returns only when that failed. Runs on a thread of its own. */
    void restart();
}
