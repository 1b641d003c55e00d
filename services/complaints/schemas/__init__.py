"""Complaints' request and response bodies: cases (CONTRACT "Complaints") and penalties."""
