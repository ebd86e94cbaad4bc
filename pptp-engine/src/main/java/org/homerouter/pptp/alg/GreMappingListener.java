package org.homerouter.pptp.alg;

/**
 * The data plane's side of the ALG: told, synchronously and before the control segment that
 * caused it is forwarded, when a call's GRE must be NATed and when it must stop. Because the
 * call's peer only sends GRE after seeing that segment, the kernel rules are in place first.
 */
public interface GreMappingListener {
    void mapped(GreMapping mapping);

    void unmapped(GreMapping mapping);

    GreMappingListener NONE = new GreMappingListener() {
        @Override
        public void mapped(GreMapping mapping) {
        }

        @Override
        public void unmapped(GreMapping mapping) {
        }
    };
}
