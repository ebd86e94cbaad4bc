package org.homerouter.pptp.ppp.lcp;

import org.homerouter.pptp.auth.AuthMethod;
import java.util.Optional;
import org.homerouter.pptp.ppp.HeaderCompression;

/**
 * What LCP agreed when it reached Opened.
 *
 * @param receiveMru largest frame the peer will send us
 * @param transmitMru largest frame we may send the peer
 * @param peerAuthentication method the peer must authenticate itself with, if we demanded one
 * @param selfAuthentication method we must authenticate ourselves with, if the peer demanded one
 * @param localMagic our Magic-Number, 0 if not negotiated
 * @param peerMagic the peer's Magic-Number, 0 if not negotiated
 * @param receivePfc the peer may send compressed Protocol fields
 * @param transmitPfc we may send compressed Protocol fields
 * @param receiveAcfc the peer may omit Address and Control
 * @param transmitAcfc we may omit Address and Control
 */
public record LinkConfiguration(int receiveMru, int transmitMru, Optional<AuthMethod> peerAuthentication,
                                Optional<AuthMethod> selfAuthentication, int localMagic, int peerMagic,
                                boolean receivePfc, boolean transmitPfc, boolean receiveAcfc, boolean transmitAcfc) {

    /** The header compression to use for every frame we send (LCP's own excepted, see PppFrame). */
    public HeaderCompression transmitCompression() {
        return new HeaderCompression(transmitAcfc, transmitPfc);
    }
}
