	</main>
	<?php $harbor_token = harbor_bestchatbot_token(); ?>
	<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk_test"<?php if ( $harbor_token ) : ?> data-user-token="<?php echo esc_attr( $harbor_token ); ?>"<?php endif; ?>></script>
	<?php wp_footer(); ?>
</body>
</html>
