package org.homerouter.pptp.ppp.ccp;

import java.util.ArrayList;
import java.util.List;

/** Remembers what CCP reported, in order. */
final class RecordingCcpListener implements CcpListener {
    final List<CcpResult> ups = new ArrayList<>();
    final List<CcpFailure> failures = new ArrayList<>();
    int downs;
    int plainOpens;
    int resetsRequestedByPeer;
    /** Run on every peer Reset-Request, e.g. to flush an encryptor. */
    Runnable onPeerReset = () -> { };

    @Override
    public void encryptionUp(CcpResult result) {
        ups.add(result);
    }

    @Override
    public void openedWithoutEncryption() {
        plainOpens++;
    }

    @Override
    public void encryptionDown() {
        downs++;
    }

    @Override
    public void failed(CcpFailure failure) {
        failures.add(failure);
    }

    @Override
    public void peerRequestedReset() {
        resetsRequestedByPeer++;
        onPeerReset.run();
    }
}
