/**
 * Test parts every outbound plugin module needs: a local TCP server for the far end, a plain dialer and
 * context standing in for the host's, the event loop a test class opens outbounds on, options written as
 * a config entry would give them, a probe that reads a channel the way the relay does, a launcher for
 * the real proxy daemons the plugins are tested against, and the check that PF4J can find a plugin's type.
 * Published as plugin-api's test-jar (type {@code test-jar}, scope test), so plugin modules share one copy;
 * none of it ships.
 */
package dev.turnout.api.testing;
