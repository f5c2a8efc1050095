"""Notifications: what a citizen or an officer is told, and when, decided from the audit trail."""
