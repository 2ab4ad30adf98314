import { initializeApp } from "firebase/app";
import { getAuth, signInAnonymously } from "firebase/auth";

export const app = initializeApp({ apiKey: process.env.NEXT_PUBLIC_FIREBASE_API_KEY });
export const auth = getAuth(app);
export const browseAsGuest = () => signInAnonymously(auth);
