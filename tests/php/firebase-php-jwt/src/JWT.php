<?php
/**
 * A stand-in for firebase/php-jwt's Firebase\JWT\JWT::encode(), for the Composer end-to-end test
 * only: Packagist (where the real library lives) cannot be reached from this test environment and
 * Debian bookworm does not package it. Written for these tests (not a copy of the library) with
 * the real v7 public signature, header ({"typ":"JWT","alg":...}) and HMAC key-length check, so a
 * call that works here works against the real class.
 */

namespace Firebase\JWT;

use DomainException;
use InvalidArgumentException;

class JWT {

	public static function encode( array $payload, $key, string $alg, ?string $keyId = null, ?array $head = null ): string {
		if ( 'HS256' !== $alg ) {
			throw new DomainException( 'Algorithm not supported by this stand-in' );
		}
		if ( ! is_string( $key ) ) {
			throw new InvalidArgumentException( 'key must be a string when using hmac' );
		}
		if ( strlen( $key ) < 32 ) {
			throw new DomainException( 'Provided key is too short' );
		}
		$header = array_merge( array( 'typ' => 'JWT' ), $head ?? array() );
		$header['alg'] = $alg;
		if ( null !== $keyId ) {
			$header['kid'] = $keyId;
		}
		$segments      = array( self::b64( json_encode( $header ) ), self::b64( json_encode( $payload ) ) );
		$signing_input = implode( '.', $segments );
		$segments[]    = self::b64( hash_hmac( 'sha256', $signing_input, $key, true ) );
		return implode( '.', $segments );
	}

	private static function b64( string $data ): string {
		return str_replace( '=', '', strtr( base64_encode( $data ), '+/', '-_' ) );
	}
}
