package dev.turnout.host.tunnel;

import dev.turnout.api.Metadata;

/**
 * Turns a flow to a fake-IP address back into a flow to the name it stands for, so rules see the domain and
 * proxies are asked for the name (never for the fake address). The mapping stays pinned while the flow lives.
 */
public interface FakeIps {

    /**
     * The flow with its fake destination replaced by the name; {@code flow} itself when its destination is
     * not fake; {@code null} when it is fake but maps to nothing (the flow must be refused, never sent to a
     * wrong place).
     */
    Metadata restore(Metadata flow);

    /** The flow that {@link #restore} pinned has ended. */
    void release(Metadata original);

    /** For when there is no fake-IP DNS. */
    FakeIps NONE = new FakeIps() {
        @Override
        public Metadata restore(Metadata flow) {
            return flow;
        }

        @Override
        public void release(Metadata original) {
        }
    };
}
