import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiGoneResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { AuthService, CurrentUser, PasswordPolicy, Public, ReqMeta, Roles } from '@mend/auth';
import type { RequestMeta, UserPrincipal } from '@mend/core';

import {
  InvitationPreviewResponse,
  PasswordStrengthResponse,
  SignedInResponse,
  SignUpResponse,
} from '../users/user.response.js';
import {
  AcceptInvitationRequest,
  ForgotPasswordRequest,
  LoginRequest,
  PasswordStrengthRequest,
  RefreshRequest,
  ResetPasswordRequest,
  SignUpRequest,
} from './auth.request.js';

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly policy: PasswordPolicy,
  ) {}

  @Post('clinics')
  @Public()
  @ApiOperation({ summary: 'Create a clinic and its first admin (rate-limited per IP)' })
  @ApiCreatedResponse({ type: SignUpResponse })
  @ApiConflictResponse({ description: 'The slug is taken' })
  @ApiTooManyRequestsResponse({ description: 'Too many sign-ups from this address; see Retry-After' })
  signUp(@Body() body: SignUpRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.signUp(body, meta);
  }

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in to a clinic with email and password' })
  @ApiOkResponse({ type: SignedInResponse })
  @ApiUnauthorizedResponse({ description: 'Unknown clinic, unknown email or wrong password (indistinguishable)' })
  @ApiTooManyRequestsResponse({
    description: 'Too many attempts from this address or for this account; see Retry-After',
  })
  login(@Body() body: LoginRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.login(body, meta);
  }

  @Post('auth/refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; a reused token revokes its whole family' })
  @ApiOkResponse({ type: SignedInResponse })
  @ApiUnauthorizedResponse({ description: 'Unknown, expired, revoked or already-used refresh token' })
  refresh(@Body() body: RefreshRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.refresh(body.refreshToken, meta);
  }

  @Post('auth/logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'End this sign-in: its refresh tokens and access tokens stop working' })
  @ApiNoContentResponse()
  logout(@CurrentUser() principal: UserPrincipal) {
    return this.auth.logout(principal);
  }

  @Post('auth/logout-all')
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: 'Sign out everywhere: every sign-in of this user ends, this one included' })
  @ApiNoContentResponse()
  logoutEverywhere(@CurrentUser() principal: UserPrincipal) {
    return this.auth.logoutEverywhere(principal);
  }

  @Post('auth/password/forgot')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a password reset email',
    description:
      'Always 202 with an empty body, whether or not the clinic and email exist. An active user receives a ' +
      'single-use link to `/reset-password?token=…` under PUBLIC_URL, valid for one hour. Rate-limited per ' +
      'address and per account.',
  })
  @ApiAcceptedResponse({ description: 'Accepted (the same answer whether or not the account exists)' })
  @ApiTooManyRequestsResponse({ description: 'Too many reset requests from this address; see Retry-After' })
  forgotPassword(@Body() body: ForgotPasswordRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.forgotPassword(body, meta);
  }

  @Post('auth/password/reset')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Choose a new password with the emailed reset token; every sign-in of the account ends',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'The password is too short, too long or too easy to guess' })
  @ApiGoneResponse({ description: 'The link is unknown, used or expired' })
  resetPassword(@Body() body: ResetPasswordRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.resetPassword(body, meta);
  }

  @Post('auth/password-strength')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: "How strong a password is, by the API's own rule (for strength feedback while typing)",
    description: 'Nothing is stored or logged. The API accepts a password with a score of 3 or more.',
  })
  @ApiOkResponse({ type: PasswordStrengthResponse })
  passwordStrength(@Body() body: PasswordStrengthRequest) {
    return this.policy.assess(body.password, body.userInputs);
  }

  @Get('invitations/:token')
  @Public()
  @ApiOperation({ summary: 'What an invitation link is for (clinic, inviter, name, role, status)' })
  @ApiOkResponse({ type: InvitationPreviewResponse })
  preview(@Param('token') token: string) {
    return this.auth.previewInvitation(token);
  }

  @Post('invitations/:token/accept')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept an invitation by choosing a password; answers a signed-in session' })
  @ApiOkResponse({ type: SignedInResponse })
  @ApiConflictResponse({ description: 'The invitation was already used' })
  @ApiGoneResponse({ description: 'The invitation expired or was replaced' })
  accept(@Param('token') token: string, @Body() body: AcceptInvitationRequest, @ReqMeta() meta: RequestMeta) {
    return this.auth.acceptInvitation(token, body.password, meta);
  }
}
