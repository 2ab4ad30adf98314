import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";

export const adminAuth = getAuth(getApps()[0] ?? initializeApp());
